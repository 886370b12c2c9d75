/*
 * The camera wall's per-frame work, with no Python on VLC's threads.
 *
 * libvlc calls its lock and display callbacks twice a frame per tile, on its decoder threads.
 * Written in Python (ctypes), each call takes the GIL from whoever holds it (the GUI thread,
 * the RTSP relays, the other tiles' callbacks): at 9 tiles x 25 fps that is 450 hand-overs a
 * second, a few CPU points of a wall whose budget is VLC's own cost plus 30 %.
 *
 * Here, lock gives VLC the tile's I420 picture, and display converts it into a free one of
 * three BGRA buffers with libswscale's sws_scale (its address and context come from Python,
 * dispatch_desk/cameras/yuv.py, so nothing here links against FFmpeg) and publishes it. The
 * painter takes the newest published buffer with tile_take() on the GUI thread; the three
 * buffers are one being written, one waiting, one being painted: never a copy, never a wait.
 *
 * Not a Python extension: plain C loaded with ctypes (dispatch_desk/cameras/native.py), built
 * by setuptools (setup.py) as an optional extension so that `pip install` compiles it where a
 * compiler is; without it the wall runs the same steps in Python.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#define EXPORT __declspec(dllexport)
typedef SRWLOCK tile_mutex;
#define MUTEX_INIT(m) InitializeSRWLock(m)
#define MUTEX_LOCK(m) AcquireSRWLockExclusive(m)
#define MUTEX_UNLOCK(m) ReleaseSRWLockExclusive(m)
#define MUTEX_DESTROY(m) ((void)(m))
#else
#include <pthread.h>
#define EXPORT __attribute__((visibility("default")))
typedef pthread_mutex_t tile_mutex;
#define MUTEX_INIT(m) pthread_mutex_init((m), NULL)
#define MUTEX_LOCK(m) pthread_mutex_lock(m)
#define MUTEX_UNLOCK(m) pthread_mutex_unlock(m)
#define MUTEX_DESTROY(m) pthread_mutex_destroy(m)
#endif

/* libswscale's sws_scale(), as declared in libswscale/swscale.h. */
typedef int (*scale_fn)(void *context, const uint8_t *const source[], const int source_strides[],
                        int first_row, int rows, uint8_t *const target[],
                        const int target_strides[]);

typedef struct {
    tile_mutex mutex;
    /* Set by tile_configure() from VLC's format callback, before its first lock. */
    scale_fn scale;
    void *context;
    uint8_t *source[4];
    int source_strides[4];
    uint8_t *targets[3];
    int target_strides[4];
    int rows;
    /* Under the mutex. */
    int held;      /* the buffer the painter has, or -1 */
    int published; /* the newest finished buffer nobody took yet, or -1 */
    int closed;
    int64_t frames;   /* frames converted */
    int64_t replaced; /* of those, replaced by a newer one before the painter took them */
} tile;

EXPORT void *tile_new(void) {
    tile *t = calloc(1, sizeof(tile));
    if (t == NULL)
        return NULL;
    MUTEX_INIT(&t->mutex);
    t->held = t->published = -1;
    return t;
}

EXPORT void tile_free(void *opaque) {
    tile *t = opaque;
    if (t == NULL)
        return;
    MUTEX_DESTROY(&t->mutex);
    free(t);
}

/* The pictures of a new format: VLC's I420 planes (3) and the three BGRA buffers.
 *
 * libVLC 3 calls the format callback (which calls this), lock and display on its video output
 * thread, one after the other: so lock and display read the pictures without the mutex, and
 * Python replaces the buffers only from that same callback. A libVLC calling them on different
 * threads would need the mutex around those reads too. */
EXPORT void tile_configure(void *opaque, void *scale, void *context, void *const source[3],
                           const int source_strides[3], void *const targets[3],
                           int target_stride, int rows) {
    tile *t = opaque;
    MUTEX_LOCK(&t->mutex);
    t->scale = (scale_fn)scale;
    t->context = context;
    for (int i = 0; i < 3; i++) {
        t->source[i] = source[i];
        t->source_strides[i] = source_strides[i];
        t->targets[i] = targets[i];
    }
    t->source[3] = NULL;
    t->source_strides[3] = 0;
    memset(t->target_strides, 0, sizeof t->target_strides);
    t->target_strides[0] = target_stride;
    t->rows = rows;
    t->held = t->published = -1;
    MUTEX_UNLOCK(&t->mutex);
}

/* libvlc_video_lock_cb: VLC decodes (and scales) into the one I420 picture. */
EXPORT void *tile_lock(void *opaque, void **planes) {
    tile *t = opaque;
    planes[0] = t->source[0];
    planes[1] = t->source[1];
    planes[2] = t->source[2];
    return (void *)1;
}

/* libvlc_video_display_cb: convert into a buffer neither waiting nor painted, then publish it. */
EXPORT void tile_display(void *opaque, void *picture) {
    tile *t = opaque;
    (void)picture;
    MUTEX_LOCK(&t->mutex);
    if (t->closed || t->scale == NULL) {
        MUTEX_UNLOCK(&t->mutex);
        return;
    }
    int index = 0;
    while (index == t->held || index == t->published)
        index++;
    MUTEX_UNLOCK(&t->mutex);
    /* Only this thread writes the buffers, and the painter never takes this one. */
    uint8_t *target[4] = {t->targets[index], NULL, NULL, NULL};
    t->scale(t->context, (const uint8_t *const *)t->source, t->source_strides, 0, t->rows, target,
             t->target_strides);
    MUTEX_LOCK(&t->mutex);
    if (t->published >= 0)
        t->replaced++;
    t->published = index;
    t->frames++;
    MUTEX_UNLOCK(&t->mutex);
}

/* The painter's turn: the newest published buffer (now held until the next take), or -1. */
EXPORT int tile_take(void *opaque) {
    tile *t = opaque;
    MUTEX_LOCK(&t->mutex);
    int index = t->published;
    if (index >= 0) {
        t->held = index;
        t->published = -1;
    }
    MUTEX_UNLOCK(&t->mutex);
    return index;
}

/* A hint for the painter's poll, read without the mutex: tile_take() decides. */
EXPORT int tile_waiting(void *opaque) {
    return ((volatile tile *)opaque)->published >= 0;
}

EXPORT void tile_counts(void *opaque, int64_t *frames, int64_t *replaced) {
    tile *t = opaque;
    MUTEX_LOCK(&t->mutex);
    *frames = t->frames;
    *replaced = t->replaced;
    MUTEX_UNLOCK(&t->mutex);
}

/* No conversion starts after this returns. One may still be running: free the converter's
 * context and the buffers only once the player has stopped (it joins its threads). */
EXPORT void tile_close(void *opaque) {
    tile *t = opaque;
    MUTEX_LOCK(&t->mutex);
    t->closed = 1;
    MUTEX_UNLOCK(&t->mutex);
}

/* Never called: setuptools builds this as an extension module, and on Windows its linker
 * exports the module's init function by name. Loaded with ctypes, never imported: it sits in a
 * folder with no __init__.py, so nothing that walks the package's modules finds it. */
EXPORT void *PyInit_frames(void) { return NULL; }

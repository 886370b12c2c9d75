"""Live media at the desk: the WebRTC peer that receives a caller's video, frames for the view,
the recorder, stills. Qt-free: the view gets plain RGB frames and paints them itself."""

/* The caller's page: consent, then live video, GPS, chat and photos to 911 dispatch.
 *
 * One-way: the page sends, it never shows the dispatcher. Everything the dispatcher writes is
 * shown as plain text (textContent), never as HTML. The page reconnects by itself: its socket to
 * the gateway with back-off, its media with a fresh peer connection (a new "leg") when the
 * connection fails or the desk asks for one.
 */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const token = location.pathname.split("/")[2] || "";
  const base = "/s/" + encodeURIComponent(token);

  const S = {
    lang: pickLanguage(),
    langChosen: false,
    kind: "",
    shares: [],
    ice: [],
    uploadMax: 25000000,
    chatMax: 1000,
    ws: null,
    wsTries: 0,
    welcomed: false,
    started: false, // the caller agreed and sharing runs
    finished: false, // refused, declined or ended by the dispatcher: nothing more to do
    stream: null,
    facing: "environment",
    pc: null,
    leg: 0,
    legTimer: null,
    watchId: null,
    dark: false,
    pending: new Map(), // chat id -> text, until the desk has stored it
    seen: new Set(), // chat ids from the desk already shown
  };

  // -- words

  function pickLanguage() {
    const wanted = (navigator.languages || [navigator.language || "en"]).map((l) => l.toLowerCase());
    for (const tag of wanted) {
      if (tag.startsWith("es")) return "es";
      if (tag.startsWith("en")) return "en";
    }
    return "en";
  }

  function t(key) {
    const table = window.DD_TEXT[S.lang] || window.DD_TEXT.en;
    return table[key] !== undefined ? table[key] : window.DD_TEXT.en[key];
  }

  function applyLanguage() {
    document.documentElement.lang = S.lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    $("lang").textContent = t("other");
    renderShares();
  }

  function renderShares() {
    const list = $("shares");
    list.textContent = "";
    for (const what of S.shares) {
      const li = document.createElement("li");
      li.textContent = t("share_" + what);
      li.dataset.share = what;
      list.appendChild(li);
    }
  }

  function show(screen) {
    document.body.dataset.screen = screen;
  }

  function status(key, warn) {
    const el = $("status");
    el.textContent = t(key);
    el.dataset.key = key;
    el.classList.toggle("warn", !!warn);
  }

  function refused(reason) {
    S.finished = true;
    stopSharing();
    const words = t("refused_" + reason) || t("refused_unknown");
    $("refusedTitle").textContent = words[0];
    $("refusedText").textContent = words[1];
    document.body.dataset.reason = reason;
    show("refused");
    if (S.ws) S.ws.close();
  }

  // -- the link and the socket

  async function claim() {
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await fetch(base + "/claim", { method: "POST", credentials: "same-origin" });
      } catch (e) {
        await sleep(backoff(attempt));
        continue;
      }
      if (response.ok) return true;
      let body = {};
      try { body = await response.json(); } catch (e) { /* a proxy's page */ }
      if (response.status === 503 || response.status === 429) {
        await sleep(backoff(attempt));
        continue;
      }
      refused(body.refused || "unknown");
      return false;
    }
  }

  function backoff(attempt) {
    return Math.min(2000, 250 * Math.pow(1.6, attempt));
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function connect() {
    if (S.finished) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + base + "/ws");
    S.ws = ws;
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      handle(message);
    };
    ws.onclose = () => {
      if (S.ws !== ws || S.finished) return;
      S.ws = null;
      if (S.started) status("reconnecting", true);
      setTimeout(connect, backoff(S.wsTries++));
    };
  }

  function send(message) {
    if (S.ws && S.ws.readyState === WebSocket.OPEN) {
      S.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  function handle(m) {
    switch (m.t) {
      case "welcome": return welcome(m);
      case "refused": return refused(m.reason);
      case "retry": return; // the socket closes; connect() tries again
      case "signal": return signal(m.data || {});
      case "chat": return deskChat(m);
      case "acked": return acked(m.id);
      case "ended": return endedByDesk(m.by);
    }
  }

  function welcome(m) {
    if (!S.welcomed && !S.langChosen && m.language === "es" && S.lang !== "es") {
      // The dispatcher heard the caller speak Spanish: start in Spanish (the switch stays).
      S.lang = "es";
      applyLanguage();
    }
    S.wsTries = 0;
    S.kind = m.kind;
    S.shares = m.shares || [];
    S.ice = m.ice || [];
    S.uploadMax = m.upload_max || S.uploadMax;
    S.chatMax = m.chat_max || S.chatMax;
    $("chatInput").maxLength = S.chatMax;
    renderShares();
    $("switchCam").hidden = !S.shares.includes("camera");
    $("cameraBox").hidden = !S.shares.includes("camera");
    $("uploadBox").hidden = !S.shares.includes("uploads");
    if (!S.started) {
      show(m.state === "paused" ? "paused" : "consent");
    } else {
      status(S.pc && S.pc.connectionState === "connected" ? "videoLive" : "connected");
      for (const [id, text] of S.pending) send({ t: "chat", id: id, text: text });
      if (S.shares.includes("camera") && !mediaHealthy()) newLeg();
    }
    S.welcomed = true;
  }

  // -- consent

  function agree() {
    if (!send({ t: "consent", accept: true })) return;
    start();
  }

  function decline() {
    if (!send({ t: "consent", accept: false })) return;
    S.finished = true;
    show("declined");
  }

  async function start() {
    S.started = true;
    show("live");
    status("connected");
    if (S.shares.includes("location")) watchLocation();
    if (S.shares.includes("camera")) {
      try {
        S.stream = await openCamera();
        $("preview").srcObject = S.stream;
        newLeg();
      } catch (e) {
        status("noCamera", true);
      }
    }
  }

  async function openCamera() {
    return navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: S.facing }, width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: true,
    });
  }

  // -- media: one peer connection per leg

  function mediaHealthy() {
    return S.pc && ["new", "connecting", "connected"].includes(S.pc.connectionState);
  }

  async function newLeg() {
    if (!S.stream || S.finished || !S.started) return;
    closePeer();
    const leg = ++S.leg;
    document.body.dataset.leg = String(leg);
    const pc = new RTCPeerConnection({ iceServers: S.ice });
    S.pc = pc;
    for (const track of S.stream.getTracks()) {
      pc.addTransceiver(track, { direction: "sendonly", streams: [S.stream] });
    }
    pc.onicecandidate = (event) => {
      if (S.pc !== pc) return;
      send({
        t: "signal",
        data: { type: "candidate", leg: leg, candidate: event.candidate ? event.candidate.toJSON() : null },
      });
    };
    pc.onconnectionstatechange = () => {
      if (S.pc !== pc) return;
      const state = pc.connectionState;
      document.body.dataset.media = state;
      if (state === "connected") {
        clearTimeout(S.legTimer);
        status("videoLive");
        send({ t: "media", state: "connected" });
      } else if (state === "failed") {
        status("reconnecting", true);
        send({ t: "media", state: "failed" });
        retryLeg(300);
      } else if (state === "disconnected") {
        status("reconnecting", true);
        retryLeg(2500);
      }
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    send({ t: "signal", data: { type: "offer", sdp: pc.localDescription.sdp, leg: leg } });
    retryLeg(8000); // no answer or no connection in time: try a fresh leg
  }

  function retryLeg(ms) {
    clearTimeout(S.legTimer);
    const leg = S.leg;
    S.legTimer = setTimeout(() => {
      if (S.leg === leg && S.pc && S.pc.connectionState !== "connected") newLeg();
    }, ms);
  }

  async function signal(data) {
    if (data.type === "restart") {
      if (S.started) newLeg();
      return;
    }
    const pc = S.pc;
    if (!pc || data.leg !== S.leg) return;
    try {
      if (data.type === "answer") {
        await pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
      } else if (data.type === "candidate" && data.candidate) {
        await pc.addIceCandidate(data.candidate);
      }
    } catch (e) {
      retryLeg(500);
    }
  }

  function closePeer() {
    clearTimeout(S.legTimer);
    if (S.pc) {
      const pc = S.pc;
      S.pc = null;
      pc.onconnectionstatechange = null;
      pc.onicecandidate = null;
      pc.close();
    }
  }

  async function switchCamera() {
    if (!S.stream) return;
    S.facing = S.facing === "environment" ? "user" : "environment";
    let fresh;
    try {
      fresh = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: S.facing }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (e) {
      return;
    }
    const track = fresh.getVideoTracks()[0];
    const old = S.stream.getVideoTracks()[0];
    if (S.pc) {
      for (const sender of S.pc.getSenders()) {
        if (sender.track && sender.track.kind === "video") await sender.replaceTrack(track);
      }
    }
    S.stream.removeTrack(old);
    old.stop();
    S.stream.addTrack(track);
    $("preview").srcObject = S.stream;
  }

  // -- location

  function watchLocation() {
    if (!navigator.geolocation) {
      $("locationNote").textContent = t("locationOff");
      return;
    }
    S.watchId = navigator.geolocation.watchPosition(
      (pos) => {
        $("locationNote").textContent = t("locationOn");
        send({
          t: "gps",
          lat: pos.coords.latitude,
          lon: pos.coords.longitude,
          acc: pos.coords.accuracy,
          at: pos.timestamp || Date.now(),
        });
      },
      () => { $("locationNote").textContent = t("locationOff"); },
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 }
    );
  }

  // -- chat (always as text, never as markup)

  function addLine(id, text, who, pending) {
    const li = document.createElement("li");
    li.className = who + (pending ? " pending" : "");
    li.dataset.id = id;
    li.textContent = text;
    $("chat").appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function sendChat(event) {
    event.preventDefault();
    const input = $("chatInput");
    const text = input.value.trim();
    if (!text) return;
    const id = crypto.randomUUID();
    S.pending.set(id, text);
    addLine(id, text, "me", true);
    input.value = "";
    send({ t: "chat", id: id, text: text });
  }

  function acked(id) {
    S.pending.delete(id);
    const li = document.querySelector('#chat li[data-id="' + CSS.escape(id) + '"]');
    if (li) li.classList.remove("pending");
  }

  function deskChat(m) {
    if (!m.id || S.seen.has(m.id)) {
      if (m.id) send({ t: "delivered", id: m.id });
      return;
    }
    S.seen.add(m.id);
    addLine(m.id, String(m.text || ""), "desk", false);
    send({ t: "delivered", id: m.id });
  }

  // -- photos and videos

  async function upload(file) {
    const li = document.createElement("li");
    li.textContent = file.name + ": " + t("sending");
    $("uploads").appendChild(li);
    if (file.size > S.uploadMax) {
      li.textContent = file.name + ": " + t("tooLarge");
      li.dataset.result = "too-large";
      return;
    }
    try {
      const response = await fetch(base + "/upload", {
        method: "POST",
        body: file,
        credentials: "same-origin",
        headers: { "Content-Type": "application/octet-stream" },
      });
      let result = "sent";
      if (response.status === 413) result = "too-large";
      else if (response.status === 415) result = "not-photo";
      else if (!response.ok) result = "failed";
      const key = { sent: "sent", "too-large": "tooLarge", "not-photo": "notPhoto", failed: "failed" }[result];
      li.textContent = file.name + ": " + t(key);
      li.dataset.result = result;
    } catch (e) {
      li.textContent = file.name + ": " + t("failed");
      li.dataset.result = "failed";
    }
  }

  // -- dark screen, end

  function setDark(on) {
    S.dark = on;
    $("dark").hidden = !on;
    document.body.dataset.dark = on ? "1" : "0";
    send({ t: "dark", on: on });
  }

  let lastTap = 0;
  function darkTap() {
    const now = Date.now();
    if (now - lastTap < 500) setDark(false);
    lastTap = now;
  }

  function stopSharing() {
    closePeer();
    if (S.stream) {
      for (const track of S.stream.getTracks()) track.stop();
      S.stream = null;
    }
    if (S.watchId !== null && navigator.geolocation) navigator.geolocation.clearWatch(S.watchId);
    S.watchId = null;
    S.started = false;
    if (S.dark) {
      S.dark = false;
      $("dark").hidden = true;
    }
  }

  function endByCaller() {
    $("confirmEnd").hidden = true;
    send({ t: "end" });
    stopSharing();
    show("paused");
  }

  function endedByDesk(by) {
    S.finished = true;
    stopSharing();
    if (by === "revoked" || by === "expired") {
      refused(by);
      return;
    }
    show("ended");
  }

  // -- wiring

  document.addEventListener("DOMContentLoaded", async () => {
    applyLanguage();
    $("lang").addEventListener("click", () => {
      S.langChosen = true;
      S.lang = S.lang === "es" ? "en" : "es";
      applyLanguage();
    });
    $("agree").addEventListener("click", agree);
    $("decline").addEventListener("click", decline);
    $("again").addEventListener("click", () => show("consent"));
    $("switchCam").addEventListener("click", switchCamera);
    $("darkBtn").addEventListener("click", () => setDark(true));
    $("dark").addEventListener("click", darkTap);
    $("endBtn").addEventListener("click", () => { $("confirmEnd").hidden = false; });
    $("endNo").addEventListener("click", () => { $("confirmEnd").hidden = true; });
    $("endYes").addEventListener("click", endByCaller);
    $("chatForm").addEventListener("submit", sendChat);
    $("file").addEventListener("change", (event) => {
      for (const file of event.target.files) upload(file);
      event.target.value = "";
    });
    if (await claim()) connect();
  });
})();

/**
 * `midstream/media` (Node only): ffmpeg-backed audio and video sources, media analyses, restreaming,
 * WebRTC in and barge-in for realtime voice agents. Needs Debian's (or any) `ffmpeg` on the PATH for
 * the sources; the analyses are plain operators and also run in browsers.
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- frames: what the sources emit and the analyses read ----
export { type AudioFrame, isAudioFrame, isVideoFrame, type MediaFrame, type VideoFrame } from '../src/media/frames'

// ---- voice activity and freezes ----
// voiceActivity, freeze and their kernels (VoiceActivityDetector, FreezeDetector) are pure and run in
// browsers: they are exported from `midstream` (every name from one entry point only)

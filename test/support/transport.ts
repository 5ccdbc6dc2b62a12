import type { Observable } from 'rxjs'
import WebSocket from 'ws'
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from '../../src/transport/framing'

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

export function hex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), b => b.toString(16).padStart(2, '0')).join('')
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Polls `condition` every 5 ms; rejects (naming `what`) after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(5)
  }
}

/** Rejects after `ms` with `what` unless `promise` settles first (the timer is always cleared). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)),
      ),
    ])
  } finally {
    clearTimeout(timer)
  }
}

export type Outcome = { kind: 'complete' } | { kind: 'error'; error: unknown }

/** Subscribes at once and records values and how it ended. */
export function record<T>(source: Observable<T>): {
  values: T[]
  outcome: Outcome | null
  ended: Promise<Outcome>
  unsubscribe(): void
} {
  let settle: (outcome: Outcome) => void = () => undefined
  const ended = new Promise<Outcome>(resolve => (settle = resolve))
  const out = {
    values: [] as T[],
    outcome: null as Outcome | null,
    ended,
    unsubscribe: () => subscription.unsubscribe(),
  }
  const subscription = source.subscribe({
    next: value => void out.values.push(value),
    complete: () => {
      out.outcome = { kind: 'complete' }
      settle(out.outcome)
    },
    error: (error: unknown) => {
      out.outcome = { kind: 'error', error }
      settle(out.outcome)
    },
  })
  return out
}

export const openFrame = (channel: number, name: string): Uint8Array =>
  encodeFrame({ kind: FrameKind.Open, channel, seq: 0, payload: textEncoder.encode(JSON.stringify({ name })) })

export const dataFrame = (channel: number, seq: number, payload: Uint8Array): Uint8Array =>
  encodeFrame({ kind: FrameKind.Data, channel, seq, payload }, 0xffffffff)

/** A frame header announcing `size` bytes (prefix, kind, channel, seq) with no body: `size` may be anything up to 2^32 - 1. */
export function rawHeader(size: number, kind: number, channel: number, seq = 0): Uint8Array {
  const out = new Uint8Array(17)
  const view = new DataView(out.buffer)
  view.setUint32(0, size)
  view.setUint8(4, kind)
  view.setUint32(5, channel)
  view.setUint32(9, 0)
  view.setUint32(13, seq)
  return out
}

export function errorText(frame: Frame): string {
  return textDecoder.decode(frame.payload)
}

/** A WebSocket client that speaks raw frames (to play a hostile peer). */
export class RawWs {
  readonly frames: Frame[] = []
  /** Messages that did not decode as whole frames. */
  undecodable = 0
  closedWith: number | null = null

  private constructor(readonly socket: WebSocket) {
    socket.binaryType = 'arraybuffer'
    socket.on('message', data => {
      try {
        const decoder = new FrameDecoder(0xffffffff)
        this.frames.push(...decoder.push(new Uint8Array(data as ArrayBuffer)))
        decoder.finish()
      } catch {
        this.undecodable++
      }
    })
    socket.on('close', code => (this.closedWith = code))
    socket.on('error', () => undefined)
  }

  static async open(url: string, ca: string): Promise<RawWs> {
    const socket = new WebSocket(`${url}?midstream-session=${hex(16)}`, { ca, perMessageDeflate: false })
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    return new RawWs(socket)
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes)
  }

  on(channel: number): Frame[] {
    return this.frames.filter(frame => frame.channel === channel)
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return
    const closed = new Promise<void>(resolve => this.socket.once('close', () => resolve()))
    this.socket.close()
    await within(closed, 2000, 'raw WebSocket close').catch(() => this.socket.terminate())
  }
}

interface WtSession {
  readonly ready: Promise<unknown>
  readonly closed: Promise<unknown>
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>
  createUnidirectionalStream(): Promise<WritableStream<Uint8Array>>
  close(info?: { closeCode?: number; reason?: string }): void
}

/**
 * One raw lane the way the library's WebTransport link makes them: a unidirectional stream out,
 * and the server's answer on a unidirectional stream back (routed here by RawWt). Write bytes, end
 * the writing half, read back frames until the server ends it (or cancels what we wrote).
 */
export class RawWtStream {
  readonly frames: Frame[] = []
  undecodable = false
  readEnded = false
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>

  constructor(writable: WritableStream<Uint8Array>) {
    this.writer = writable.getWriter()
    // a stream the server cannot route is cancelled: no answer will come
    this.writer.closed.catch(() => {
      if (this.answer === null) this.readEnded = true
    })
  }

  private answer: ReadableStreamDefaultReader<Uint8Array> | null = null

  /** The server's stream of this lane; its first frame (Open of our id) is dropped as the library does. */
  attachAnswer(reader: ReadableStreamDefaultReader<Uint8Array>, decoder: FrameDecoder, rest: Frame[]): void {
    this.answer = reader
    this.frames.push(...rest)
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          this.frames.push(...decoder.push(value))
        }
      } catch {
        this.undecodable = true
      } finally {
        this.readEnded = true
      }
    })()
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.writer.write(bytes)
  }

  /** Ends the writing half. A stream that ended before one whole frame names no lane: nothing can answer it, so it counts as ended when no answer came within 500 ms. */
  async end(): Promise<void> {
    await this.writer.close().catch(() => undefined)
    setTimeout(() => {
      if (this.answer === null) this.readEnded = true
    }, 500)
  }
}

/** A raw WebTransport session (HTTP/2, reliable only) from @fails-components/webtransport. */
export class RawWt {
  private readonly streams: RawWtStream[] = []

  private constructor(readonly session: WtSession) {
    // answers come on incoming unidirectional streams starting with Open(our id): hand each to the latest raw lane
    void (async () => {
      const incoming = session.incomingUnidirectionalStreams.getReader()
      try {
        for (;;) {
          const { value, done } = await incoming.read()
          if (done) return
          const reader = value.getReader()
          const decoder = new FrameDecoder(0xffffffff)
          let frames: Frame[] = []
          while (frames.length === 0) {
            const step = await reader.read()
            if (step.done) break
            frames = decoder.push(step.value)
          }
          this.streams.at(-1)?.attachAnswer(reader, decoder, frames.slice(1))
        }
      } catch {
        // the session is gone
      }
    })()
  }

  static async open(url: string, hash: Uint8Array): Promise<RawWt> {
    // the package ships no type declarations; a specifier in a variable keeps tsc from looking for them
    const specifier = '@fails-components/webtransport'
    const { WebTransport } = (await import(/* @vite-ignore */ specifier)) as unknown as {
      WebTransport: new (url: string, options: object) => WtSession
    }
    const session = new WebTransport(`${url}?midstream-session=${hex(16)}`, {
      forceReliable: true,
      serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }],
    })
    session.closed.catch(() => undefined)
    await session.ready
    return new RawWt(session)
  }

  async stream(): Promise<RawWtStream> {
    const stream = new RawWtStream(await this.session.createUnidirectionalStream())
    this.streams.push(stream)
    return stream
  }

  async close(): Promise<void> {
    try {
      this.session.close({ closeCode: 0, reason: 'bye' })
    } catch {
      // already closed
    }
    await within(
      this.session.closed.then(
        () => undefined,
        () => undefined,
      ),
      2000,
      'raw WebTransport close',
    ).catch(() => undefined)
  }
}

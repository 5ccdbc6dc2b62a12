import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  BargeIn,
  type BargeInCounts,
  type BargeInDecision,
  type BargeInInput,
  type BargeInOptions,
  BargeInOverflowError,
} from '../../../src/media/bargeIn'
import { SnapshotError } from '../../../src/snapshot'

/** A player that plays each item at realtime from its first audio: played = min(received, now - first). */
class RealtimePlayer {
  received = new Map<string, number>()
  first = new Map<string, number>()
  now = 0
  readonly played = (itemId: string): number =>
    Math.min(this.received.get(itemId) ?? 0, Math.max(0, this.now - (this.first.get(itemId) ?? this.now)))
  hear(input: BargeInInput): void {
    if (input.type !== 'audio') return
    if (!this.first.has(input.itemId)) this.first.set(input.itemId, input.atMs)
    this.received.set(input.itemId, (this.received.get(input.itemId) ?? 0) + input.ms)
  }
}

/** Drives a machine as `bargeIn` does: `advance` at each due time before the next event, then to the end. */
function drive(machine: BargeIn, inputs: readonly BargeInInput[], player = new RealtimePlayer(), endMs?: number) {
  const decisions: BargeInDecision[] = []
  const push = (d: BargeInDecision | null) => d !== null && decisions.push(d)
  for (const input of inputs) {
    while (machine.nextDueMs() < input.atMs) {
      player.now = machine.nextDueMs()
      push(machine.advance(player.now, player.played))
    }
    player.now = input.atMs
    push(machine.step(input, player.played))
    player.hear(input)
  }
  const end = endMs ?? (inputs.at(-1)?.atMs ?? 0) + 10_000
  while (machine.nextDueMs() <= end) {
    player.now = machine.nextDueMs()
    push(machine.advance(player.now, player.played))
  }
  return decisions
}

const created = (atMs: number, responseId: string): BargeInInput => ({ type: 'response.created', atMs, responseId })
const done = (atMs: number, responseId: string): BargeInInput => ({ type: 'response.done', atMs, responseId })
const audio = (atMs: number, responseId: string, itemId: string, ms: number): BargeInInput => ({
  type: 'audio',
  atMs,
  responseId,
  itemId,
  contentIndex: 0,
  ms,
})
const start = (atMs: number, seq?: number): BargeInInput =>
  seq === undefined ? { type: 'speech.started', atMs } : { type: 'speech.started', atMs, seq }
const stop = (atMs: number): BargeInInput => ({ type: 'speech.stopped', atMs })

describe('BargeIn', () => {
  it('speech over a playing answer: cancel, and truncate at what the player played', () => {
    const machine = new BargeIn({ minSpeechMs: 200 })
    // 1000 ms of audio arrives within 50 ms; the user speaks at 400, confirmed at 600: 600 ms played
    const decisions = drive(machine, [
      created(0, 'r1'),
      audio(0, 'r1', 'i1', 500),
      audio(50, 'r1', 'i1', 500),
      start(400),
    ])
    expect(decisions).toEqual([
      {
        seq: 1,
        responseId: 'r1',
        onsetMs: 400,
        atMs: 600,
        cancel: true,
        truncate: { itemId: 'i1', contentIndex: 0, audioEndMs: 600 },
      },
    ])
    expect(machine.counts.bargeIns).toBe(1)
  })

  it('after response.done, audio still buffered: truncate without cancel; all played: nothing (idle)', () => {
    const machine = new BargeIn({ minSpeechMs: 100 })
    const decisions = drive(machine, [created(0, 'r1'), audio(0, 'r1', 'i1', 800), done(10, 'r1'), start(300)])
    expect(decisions.map(d => [d.cancel, d.truncate?.audioEndMs])).toEqual([[false, 400]])
    const idle = new BargeIn({ minSpeechMs: 100 })
    expect(drive(idle, [created(0, 'r1'), audio(0, 'r1', 'i1', 300), done(10, 'r1'), start(500)])).toEqual([])
    expect(idle.counts.idle).toBe(1)
    // nothing ever played and no response: idle too
    const none = new BargeIn({ minSpeechMs: 0 })
    expect(drive(none, [start(5)])).toEqual([])
    expect(none.counts.idle).toBe(1)
  })

  it('a response still thinking (no audio yet): cancel, no truncate', () => {
    const decisions = drive(new BargeIn({ minSpeechMs: 50 }), [created(0, 'r1'), start(10)])
    expect(decisions.map(d => [d.cancel, d.truncate])).toEqual([[true, null]])
  })

  it('a backchannel shorter than minSpeechMs does not interrupt; one lasting exactly minSpeechMs does', () => {
    const machine = new BargeIn({ minSpeechMs: 250 })
    const decisions = drive(machine, [
      created(0, 'r1'),
      audio(0, 'r1', 'i1', 5000),
      start(100),
      stop(349),
      start(1000),
      stop(1250),
    ])
    expect(decisions.map(d => d.onsetMs)).toEqual([1000])
    expect(machine.counts.backchannels).toBe(1)
  })

  it('latched: one barge-in per response; coalesced: onsets within the window are one', () => {
    const machine = new BargeIn({ minSpeechMs: 100, coalesceMs: 300 })
    const decisions = drive(machine, [
      created(0, 'r1'),
      audio(0, 'r1', 'i1', 9000),
      start(100), // fires at 200
      start(150), // the server's report of the same speech: coalesced
      stop(500),
      start(900), // new speech, same response: latched
      stop(1500),
      created(2000, 'r2'),
      audio(2000, 'r2', 'i2', 9000),
      start(2500), // fires for r2
    ])
    expect(decisions.map(d => [d.responseId, d.onsetMs, d.truncate?.itemId, d.truncate?.audioEndMs])).toEqual([
      ['r1', 100, 'i1', 200],
      ['r2', 2500, 'i2', 600],
    ])
    expect(machine.counts).toMatchObject({ bargeIns: 2, coalesced: 1, latched: 1 })
  })

  it('stale: an onset tagged with an older response, or one still waiting when a new response began', () => {
    const machine = new BargeIn({ minSpeechMs: 100 })
    const decisions = drive(machine, [
      created(0, 'r1'),
      start(10), // waits until 110, but r2 begins at 50: stale
      created(50, 'r2'),
      audio(50, 'r2', 'i2', 1000),
      start(500, 1), // tagged with r1: stale at once
    ])
    expect(decisions).toEqual([])
    expect(machine.counts.stale).toBe(2)
    expect(() => machine.step(start(600, 3), () => 0)).toThrow(/seq must be an integer in \[0, 2\], got 3/)
  })

  it('the queue of waiting onsets is bounded: drop-oldest, drop-newest, error', () => {
    // onsets 0, 100, 200 (no coalescing), minSpeech 1000: three wait at once
    const inputs = [created(0, 'r1'), audio(0, 'r1', 'i1', 9000), start(0), start(100), start(200)]
    const oldest = new BargeIn({ minSpeechMs: 1000, coalesceMs: 0, maxPending: 2, overflow: 'drop-oldest' })
    expect(drive(oldest, inputs).map(d => d.onsetMs)).toEqual([100])
    expect(oldest.counts).toMatchObject({ overflowed: 1, latched: 1 })
    const newest = new BargeIn({ minSpeechMs: 1000, coalesceMs: 0, maxPending: 2, overflow: 'drop-newest' })
    expect(drive(newest, inputs).map(d => d.onsetMs)).toEqual([0])
    expect(newest.counts).toMatchObject({ overflowed: 1, latched: 1 })
    const strict = new BargeIn({ minSpeechMs: 1000, coalesceMs: 0, maxPending: 2, overflow: 'error' })
    expect(() => drive(strict, inputs)).toThrow(BargeInOverflowError)
  })

  it('audio of another response is counted, not played; played is clamped to the audio received', () => {
    const machine = new BargeIn({ minSpeechMs: 0 })
    expect(machine.step(created(0, 'r2'), () => 0)).toBeNull()
    machine.step(audio(1, 'r1', 'old', 100), () => 0)
    machine.step(audio(2, 'r2', 'i2', 100), () => 0)
    const decision = machine.step(start(3), () => 120.7)
    expect(machine.counts.foreignAudio).toBe(1)
    expect(decision?.truncate).toEqual({ itemId: 'i2', contentIndex: 0, audioEndMs: 100 })
  })

  it('bad options and events fail with errors naming them', () => {
    expect(() => new BargeIn({ minSpeechMs: -1 })).toThrow(
      /^BargeIn: minSpeechMs must be a finite number >= 0 \(ms\), got -1/,
    )
    expect(() => new BargeIn({ overflow: 'drop' as 'error' })).toThrow(
      /overflow must be 'drop-oldest' or 'drop-newest' or 'error', got "drop"/,
    )
    expect(() => new BargeIn({ maxPending: 0 })).toThrow(/maxPending/)
    expect(() => new BargeIn({ minSpeech: 1 } as BargeInOptions)).toThrow(/unknown option "minSpeech"/)
    const machine = new BargeIn()
    machine.step(start(10), () => 0)
    expect(() => machine.step(start(5), () => 0)).toThrow(/atMs 5 of "speech.started" is before the last event's 10/)
    expect(() => machine.step({ type: 'nope', atMs: 20 } as unknown as BargeInInput, () => 0)).toThrow(
      /unknown event type "nope"/,
    )
    expect(() => machine.step({ type: 'response.created', atMs: 20 } as BargeInInput, () => 0)).toThrow(
      /responseId must be a string, got undefined/,
    )
    const asked = new BargeIn({ minSpeechMs: 0 })
    asked.step(created(0, 'r'), () => 0)
    asked.step(audio(0, 'r', 'i', 10), () => 0)
    expect(() => asked.step(start(1), () => Number.NaN)).toThrow(
      /played\("i"\) must return a finite number of ms >= 0, got NaN/,
    )
  })

  it('fromSnapshot refuses another kind, version or a damaged field', () => {
    const saved = new BargeIn().snapshot()
    expect(() => BargeIn.fromSnapshot({ ...saved, kind: 'ADWIN' } as never)).toThrow(SnapshotError)
    expect(() => BargeIn.fromSnapshot({ ...saved, version: 2 } as never)).toThrow(/version 2/)
    expect(() => BargeIn.fromSnapshot({ ...saved, seq: -1 })).toThrow(/seq must be an integer >= 0, got -1/)
    expect(() => BargeIn.fromSnapshot({ ...saved, pending: [[1, 0, 3]] } as never)).toThrow(/pending\[0\]/)
  })
})

// ---- property tests: random interleavings against a brute-force model ----

interface Scenario {
  options: Required<BargeInOptions>
  inputs: BargeInInput[]
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    minSpeechMs: fc.constantFrom(0, 40, 100, 250),
    coalesceMs: fc.constantFrom(0, 30, 120),
    maxPending: fc.integer({ min: 1, max: 3 }),
    overflow: fc.constantFrom('drop-oldest' as const, 'drop-newest' as const),
    steps: fc.array(
      fc.record({
        gap: fc.constantFrom(0, 0, 5, 20, 60, 150),
        op: fc.constantFrom(
          'created',
          'audio',
          'audio',
          'audio',
          'done',
          'start',
          'start',
          'stop',
          'old-start',
          'item',
        ),
        ms: fc.constantFrom(20, 40, 100),
      }),
      { maxLength: 40 },
    ),
  })
  .map(({ steps, ...options }) => {
    const inputs: BargeInInput[] = []
    let t = 0
    let responses = 0
    let item = 0
    for (const { gap, op, ms } of steps) {
      t += gap
      const id = `r${responses}`
      if (op === 'created') inputs.push(created(t, `r${++responses}`))
      else if (op === 'audio') inputs.push(audio(t, id, `i${responses}.${item}`, ms))
      else if (op === 'item') item++
      else if (op === 'done') inputs.push(done(t, id))
      else if (op === 'start') inputs.push(start(t))
      else if (op === 'old-start') inputs.push(start(t, Math.max(0, responses - 1)))
      else inputs.push(stop(t))
    }
    return { options, inputs }
  })

/**
 * The rules, simulated millisecond by millisecond over plain arrays: at each ms, first every waiting
 * onset whose speech has lasted minSpeechMs is judged, then that ms's events are applied in order (each
 * followed by judging again, for minSpeechMs 0).
 */
function model({ options, inputs }: Scenario): { decisions: BargeInDecision[]; counts: BargeInCounts } {
  const counts: BargeInCounts = {
    bargeIns: 0,
    stale: 0,
    coalesced: 0,
    backchannels: 0,
    latched: 0,
    idle: 0,
    overflowed: 0,
    foreignAudio: 0,
  }
  const decisions: BargeInDecision[] = []
  const player = new RealtimePlayer()
  let seq = 0
  let response: string | null = null
  let running = false
  let item = null as { id: string; received: number } | null
  let latchedSeq = -1
  let last: number | null = null
  let waiting: { onset: number; seq: number }[] = []
  const judge = (t: number) => {
    for (const w of waiting.filter(w => w.onset + options.minSpeechMs <= t)) {
      waiting = waiting.filter(x => x !== w)
      if (w.seq < seq) counts.stale++
      else if (latchedSeq === seq) counts.latched++
      else {
        const played = item === null ? 0 : player.played(item.id)
        if (!running && (item === null || played >= item.received)) counts.idle++
        else {
          latchedSeq = seq
          counts.bargeIns++
          const truncate =
            item === null || item.received === 0
              ? null
              : { itemId: item.id, contentIndex: 0, audioEndMs: Math.floor(Math.min(played, item.received)) }
          decisions.push({
            seq,
            responseId: response as string,
            onsetMs: w.onset,
            atMs: w.onset + options.minSpeechMs,
            cancel: running,
            truncate,
          })
        }
      }
    }
  }
  const end = (inputs.at(-1)?.atMs ?? 0) + 10_000
  let next = 0
  for (let t = 0; t <= end; t++) {
    player.now = t
    judge(t)
    for (; next < inputs.length && inputs[next].atMs === t; next++) {
      const input = inputs[next]
      if (input.type === 'response.created') {
        seq++
        response = input.responseId
        running = true
        item = null
      } else if (input.type === 'response.done') {
        if (input.responseId === response) running = false
      } else if (input.type === 'audio') {
        if (input.responseId !== response) counts.foreignAudio++
        else {
          if (item?.id !== input.itemId) item = { id: input.itemId, received: 0 }
          item.received += input.ms
        }
      } else if (input.type === 'speech.stopped') {
        counts.backchannels += waiting.length
        waiting = []
        last = null
      } else {
        const s = input.seq ?? seq
        if (s < seq) counts.stale++
        else if (last !== null && t - last <= options.coalesceMs) counts.coalesced++
        else if (waiting.length === options.maxPending && options.overflow === 'drop-newest') counts.overflowed++
        else {
          if (waiting.length === options.maxPending) {
            waiting.shift()
            counts.overflowed++
          }
          waiting.push({ onset: t, seq: s })
          last = t
        }
      }
      judge(t)
      player.hear(input)
    }
  }
  return { decisions, counts }
}

describe('BargeIn properties', () => {
  test.prop([scenarioArb], { numRuns: 150 })('decides exactly as the millisecond-by-millisecond model', scenario => {
    const machine = new BargeIn(scenario.options)
    const decisions = drive(machine, scenario.inputs)
    const expected = model(scenario)
    expect(decisions).toEqual(expected.decisions)
    expect(machine.counts).toEqual(expected.counts)
    // every onset is accounted for: confirmed into a decision, or counted
    const onsets = scenario.inputs.filter(i => i.type === 'speech.started').length
    const c = machine.counts
    expect(c.bargeIns + c.stale + c.coalesced + c.backchannels + c.latched + c.idle + c.overflowed).toBe(onsets)
    // at most one barge-in per response
    expect(new Set(decisions.map(d => d.seq)).size).toBe(decisions.length)
  })

  test.prop([scenarioArb, fc.nat()], { numRuns: 150 })(
    'a snapshot at any point, through JSON, continues exactly as the uninterrupted run',
    (scenario, cut) => {
      const whole = new BargeIn(scenario.options)
      const player = new RealtimePlayer()
      const expected = drive(whole, scenario.inputs, player)
      const at = cut % (scenario.inputs.length + 1)
      const first = new BargeIn(scenario.options)
      const splitPlayer = new RealtimePlayer()
      const lastAt = scenario.inputs.at(-1)?.atMs ?? 0
      // the first part stops at the next input's time (its due onsets before it are confirmed)
      const head = drive(
        first,
        scenario.inputs.slice(0, at),
        splitPlayer,
        (scenario.inputs[at]?.atMs ?? lastAt + 10_000) - 1e-9,
      )
      const second = BargeIn.fromSnapshot(JSON.parse(JSON.stringify(first.snapshot())))
      const tail = drive(second, scenario.inputs.slice(at), splitPlayer, lastAt + 10_000)
      expect([...head, ...tail]).toEqual(expected)
      expect(second.counts).toEqual(whole.counts)
      expect(second.snapshot()).toEqual(whole.snapshot())
    },
  )
})

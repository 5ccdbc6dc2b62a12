import { fc } from '@fast-check/vitest'
import {
  createNanoScheduler,
  createVirtualNanoScheduler,
  eventTime,
  NanoScheduler,
  scheduleOn,
  VirtualNanoScheduler,
} from 'midstream'
import {
  createHybridTimer,
  createPlatformClock,
  priorityLevel,
  rxjsTimeSource,
  SchedulerCore,
  VirtualTime,
} from 'midstream/scheduler'
import { runTimed, timedSource, timedStream } from 'midstream/testing'
import { of } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type ErrorClass, expectRefused as refuses } from '../support/refused'

const clock = createPlatformClock()
const virtual = () => createVirtualNanoScheduler()
const stream = { events: [{ time: 0, value: 1 }], end: { kind: 'complete' as const, time: 1 } }

describe('the scheduler refuses bad input with a typed error prefixed by the public name', () => {
  it.each<[string, () => unknown, ErrorClass]>([
    ['createNanoScheduler', () => createNanoScheduler({ policy: 'fifo' as never }), RangeError],
    ['createNanoScheduler', () => createNanoScheduler({ maxQueueSize: 1.5 }), RangeError],
    ['createNanoScheduler', () => createNanoScheduler({ maxQueueSize: '10' as never }), TypeError],
    ['createNanoScheduler', () => createNanoScheduler({ precision: 'exact' as never }), RangeError],
    ['createNanoScheduler', () => createNanoScheduler({ fineWindowMs: -1 }), RangeError],
    ['createNanoScheduler', () => createNanoScheduler({ onTaskError: 5 as never }), TypeError],
    ['createNanoScheduler', () => createNanoScheduler({ clock: {} as never }), TypeError],
    ['createNanoScheduler', () => createNanoScheduler({ timer: { setTimer: () => 0 } as never }), TypeError],
    ['createNanoScheduler', () => createNanoScheduler({ polcy: 'edf' } as never), TypeError],
    ['createNanoScheduler', () => createNanoScheduler(null as never), TypeError],
    ['createVirtualNanoScheduler', () => createVirtualNanoScheduler({ startTime: Number.NaN }), RangeError],
    ['createVirtualNanoScheduler', () => createVirtualNanoScheduler({ precision: 'fine' } as never), TypeError],
    ['createVirtualNanoScheduler', () => createVirtualNanoScheduler({ yieldAfterMs: -1 }), RangeError],
    ['NanoScheduler', () => new NanoScheduler({} as never), TypeError],
    ['NanoScheduler', () => new NanoScheduler(virtual().core, { priority: 'urgent' as never }), RangeError],
    ['NanoScheduler.schedule', () => virtual().schedule(5 as never), TypeError],
    ['NanoScheduler.schedule', () => virtual().schedule(() => {}, Number.NaN), RangeError],
    ['NanoScheduler.scheduleTask', () => virtual().scheduleTask({ run: 1 } as never), TypeError],
    ['NanoScheduler.scheduleTask', () => virtual().scheduleTask({ run: () => {}, period: -1 }), RangeError],
    ['NanoScheduler.scheduleTask', () => virtual().scheduleTask({ run: () => {}, dealine: 2 } as never), TypeError],
    ['NanoScheduler.withLane', () => virtual().withLane({ cost: Number.NaN }), RangeError],
    ['NanoScheduler.withLane', () => virtual().withLane({ priorty: 'high' } as never), TypeError],
    ['VirtualNanoScheduler', () => new VirtualNanoScheduler({} as never), TypeError],
    ['VirtualNanoScheduler.advanceBy', () => virtual().advanceBy(-1), RangeError],
    ['VirtualNanoScheduler.advanceTo', () => virtual().advanceTo(Number.NaN), RangeError],
    ['VirtualNanoScheduler.flush', () => virtual().flush(0), RangeError],
    ['SchedulerCore', () => new SchedulerCore(clock, {} as never), TypeError],
    ['SchedulerCore', () => new SchedulerCore(clock, new VirtualTime(), { maxQueueSize: 0 }), RangeError],
    ['SchedulerCore', () => new SchedulerCore(clock, new VirtualTime(), { speed: 2 } as never), TypeError],
    ['SchedulerCore.schedule', () => new SchedulerCore(clock, new VirtualTime()).schedule({} as never), TypeError],
    [
      'SchedulerCore.schedule',
      () => new SchedulerCore(clock, new VirtualTime()).schedule({ run() {} }, { delay: Infinity }),
      RangeError,
    ],
    ['createHybridTimer', () => createHybridTimer(null as never), TypeError],
    ['createHybridTimer', () => createHybridTimer(clock, { spinWindowMs: Number.NaN }), RangeError],
    ['createHybridTimer', () => createHybridTimer(clock, { policy: 'edf' } as never), TypeError],
    ['VirtualTime', () => new VirtualTime(Infinity), RangeError],
    ['VirtualTime.advanceTo', () => new VirtualTime().advanceTo('5' as never), TypeError],
    ['VirtualTime.advanceBy', () => new VirtualTime().advanceBy(-1), RangeError],
    ['VirtualTime.flush', () => new VirtualTime().flush(1.5), RangeError],
    ['priorityLevel', () => priorityLevel('urgent'), RangeError],
    ['priorityLevel', () => priorityLevel(101), RangeError],
    ['priorityLevel', () => priorityLevel(null), TypeError],
    ['rxjsTimeSource', () => rxjsTimeSource({} as never), TypeError],
    ['scheduleOn', () => scheduleOn({} as never), TypeError],
    ['scheduleOn', () => scheduleOn(virtual(), { batchSize: 0 }), RangeError],
    ['scheduleOn', () => scheduleOn(virtual(), { bufferLimit: 2.5 }), RangeError],
    ['scheduleOn', () => scheduleOn(virtual(), { priority: 'urgent' as never }), RangeError],
    ['scheduleOn', () => scheduleOn(virtual(), { deadline: Number.NaN }), RangeError],
    ['scheduleOn', () => scheduleOn(virtual(), { deadline: '2' as never }), TypeError],
    ['scheduleOn', () => scheduleOn(virtual(), { bachSize: 4 } as never), TypeError],
    ['eventTime', () => eventTime({} as never, { time: () => 0 }), TypeError],
    ['eventTime', () => eventTime(virtual(), {} as never), TypeError],
    ['eventTime', () => eventTime(virtual(), { time: () => 0, onLate: 'drop' as never }), RangeError],
    ['eventTime', () => eventTime(virtual(), { time: () => 0, timeOf: () => 0 } as never), TypeError],
    ['eventTime', () => eventTime(virtual(), (() => 0) as never), TypeError],
  ])('%s (case %#)', (name, call, expected) => refuses(call, expected, name))

  it('turns a priority or deadline function that returns nonsense into a stream error naming the value', () => {
    const scheduler = virtual()
    const errors: unknown[] = []
    of(1, 2)
      .pipe(scheduleOn(scheduler, { deadline: x => (x === 2 ? Number.NaN : 1) }))
      .subscribe({ error: e => errors.push(e) })
    scheduler.flush()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(TypeError)
    expect(String((errors[0] as Error).message)).toMatch(/^scheduleOn: deadline .* for value 2, got NaN$/)
  })
})

describe('the testing kit refuses bad input with a typed error prefixed by the public name', () => {
  it.each<[string, () => unknown, ErrorClass]>([
    ['timedStream', () => timedStream(5 as never), TypeError],
    ['timedStream', () => timedStream(fc.integer(), { maxGap: 0 }), RangeError],
    ['timedStream', () => timedStream(fc.integer(), { burstProbability: 1.5 }), RangeError],
    ['timedStream', () => timedStream(fc.integer(), { minLength: 5, maxLength: 2 }), RangeError],
    ['timedStream', () => timedStream(fc.integer(), { fractional: 'yes' as never }), TypeError],
    ['timedStream', () => timedStream(fc.integer(), { ends: [] }), RangeError],
    ['timedStream', () => timedStream(fc.integer(), { ends: ['never' as never] }), RangeError],
    ['timedStream', () => timedStream(fc.integer(), { maxLenght: 3 } as never), TypeError],
    ['timedSource', () => timedSource({} as never, virtual()), TypeError],
    ['timedSource', () => timedSource(stream, {} as never), TypeError],
    [
      'timedSource',
      () =>
        timedSource(
          {
            events: [
              { time: 2, value: 1 },
              { time: 1, value: 2 },
            ],
            end: { kind: 'none' },
          },
          virtual(),
        ),
      RangeError,
    ],
    ['runTimed', () => runTimed(stream, 'pipe' as never), TypeError],
    ['runTimed', () => runTimed(stream, s => s, { until: Number.NaN }), RangeError],
    ['runTimed', () => runTimed(stream, s => s, { policy: 'fifo' as never }), RangeError],
    ['runTimed', () => runTimed(stream, s => s, { untill: 5 } as never), TypeError],
  ])('%s (case %#)', (name, call, expected) => refuses(call, expected, name))
})

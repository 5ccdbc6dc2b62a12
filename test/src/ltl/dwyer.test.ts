import { createMonitor, parseLtl } from 'midstream'
import { describe, expect, it } from 'vitest'
import { holdsFinite } from '../../support/ltl'

/**
 * The Dwyer, Avrunin & Corbett specification patterns (ICSE 1999) in their LTL mappings, each with
 * a trace that satisfies it and one that violates it. An event is a string of the letters that hold
 * (p, s, q, r: P and S the pattern's events, Q and R the scope's delimiters).
 */
const patterns: Array<[string, string, string, string[], string[]]> = [
  ['absence', 'globally', 'G !p', ['q', 'r', ''], ['q', 'p']],
  ['absence', 'before R', 'F r -> (!p U r)', ['q', 'r', 'p'], ['p', 'r']],
  ['absence', 'after Q', 'G (q -> G !p)', ['p', 'q', 'r'], ['q', '', 'p']],
  ['absence', 'between Q and R', 'G ((q && !r && F r) -> (!p U r))', ['q', 'r', 'p', 'q'], ['q', 'p', 'r']],
  ['absence', 'after Q until R', 'G ((q && !r) -> (!p W r))', ['q', '', 'r', 'p'], ['q', 'p']],
  ['existence', 'globally', 'F p', ['', 'p'], ['q', 'r']],
  ['existence', 'before R', '!r W (p && !r)', ['p', 'r'], ['q', 'r', 'p']],
  ['existence', 'after Q', 'G !q || F (q && F p)', ['q', '', 'p'], ['p', 'q', '']],
  ['existence', 'between Q and R', 'G ((q && !r) -> (!r W (p && !r)))', ['q', 'p', 'r', 'q', 'p'], ['q', '', 'r']],
  ['existence', 'after Q until R', 'G ((q && !r) -> (!r U (p && !r)))', ['q', 'p', 'r'], ['q', '', '']],
  ['universality', 'globally', 'G p', ['p', 'p'], ['p', '']],
  ['universality', 'before R', 'F r -> (p U r)', ['p', 'p', 'r', ''], ['p', '', 'r']],
  ['universality', 'after Q', 'G (q -> G p)', ['', 'pq', 'p'], ['pq', '']],
  ['universality', 'between Q and R', 'G ((q && !r && F r) -> (p U r))', ['pq', 'p', 'r', ''], ['pq', '', 'r']],
  ['universality', 'after Q until R', 'G ((q && !r) -> (p W r))', ['pq', 'p', 'r', ''], ['pq', '', 'p']],
  ['precedence', 'globally', '!p W s', ['', 's', 'p'], ['', 'p', 's']],
  ['precedence', 'before R', 'F r -> (!p U (s || r))', ['s', 'p', 'r'], ['p', 's', 'r']],
  ['precedence', 'after Q', 'G !q || F (q && (!p W s))', ['p', 'q', 's', 'p'], ['q', 'p']],
  [
    'precedence',
    'between Q and R',
    'G ((q && !r && F r) -> (!p U (s || r)))',
    ['q', 's', 'p', 'r'],
    ['q', 'p', 's', 'r'],
  ],
  ['precedence', 'after Q until R', 'G ((q && !r) -> (!p W (s || r)))', ['q', 'r', 'p'], ['q', 'p', 'r']],
  ['response', 'globally', 'G (p -> F s)', ['p', 's', ''], ['s', 'p', '']],
  ['response', 'before R', 'F r -> ((p -> (!r U (s && !r))) U r)', ['p', 's', 'r'], ['p', 'r', 's']],
  ['response', 'after Q', 'G (q -> G (p -> F s))', ['p', 'q', 'p', 's'], ['q', 's', 'p']],
  [
    'response',
    'between Q and R',
    'G ((q && !r && F r) -> ((p -> (!r U (s && !r))) U r))',
    ['q', 'p', 's', 'r', 'p'],
    ['q', 'p', 'r', 's'],
  ],
  [
    'response',
    'after Q until R',
    'G ((q && !r) -> ((p -> (!r U (s && !r))) W r))',
    ['q', 'p', 's', 'p', 's'],
    ['q', 'p', ''],
  ],
]

const letters = ['p', 's', 'q', 'r']
const event = (e: string) => Object.fromEntries(letters.map(l => [l, e.includes(l)]))

describe('Dwyer specification patterns', () => {
  for (const [pattern, scope, text, satisfying, violating] of patterns) {
    it(`${pattern}, ${scope}: ${text}`, () => {
      const f = parseLtl(text)
      for (const [trace, expected] of [
        [satisfying, 'true'],
        [violating, 'false'],
      ] as const) {
        // the hand-made trace is what the pattern means, and the plain LTLf evaluator agrees
        expect(holdsFinite(f, trace.map(event)) ? 'true' : 'false', `oracle on ${trace.join(' ')}`).toBe(expected)
        const m = createMonitor(text, { closedWorld: true })
        const verdicts = trace.map(e => m.step(event(e)))
        expect(m.finish(), `monitor on ${trace.join(' ')}`).toBe(expected)
        // an LTL3 verdict reached on the way agrees with the end (none of these uses X)
        for (const v of verdicts) if (v !== 'unknown') expect(v).toBe(expected)
      }
    })
  }
})

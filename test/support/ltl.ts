import { fc } from '@fast-check/vitest'
import type { Formula } from '../../src/ltl/formula'

/** Random formulas over the given atoms, up to `depth`, with the operators in `kinds`. */
export function formulaArb(
  atoms: string[],
  depth: number,
  kinds: { future?: boolean; past?: boolean; bounds?: boolean } = { future: true },
): fc.Arbitrary<Formula> {
  const bound = kinds.bounds
    ? fc.option(
        fc
          .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }))
          .map(([a, b]) => ({ lower: Math.min(a, b), upper: Math.max(a, b) })),
        { nil: undefined },
      )
    : fc.constant(undefined)
  const withBound = <F extends Formula>(f: F, b: { lower: number; upper: number } | undefined): Formula =>
    b === undefined ? f : ({ ...f, bound: b } as Formula)
  const { tree } = fc.letrec<{ tree: Formula }>(tie => {
    const sub = tie('tree')
    const leaf = fc.oneof(
      fc.constantFrom(...atoms).map((name): Formula => ({ kind: 'atom', name })),
      fc.constantFrom<Formula>({ kind: 'true' }, { kind: 'false' }),
    )
    const options: fc.Arbitrary<Formula>[] = [
      leaf,
      sub.map((operand): Formula => ({ kind: 'not', operand })),
      fc
        .tuple(fc.constantFrom('and', 'or', 'implies', 'iff' as const), sub, sub)
        .map(([kind, left, right]) => ({ kind, left, right }) as Formula),
    ]
    if (kinds.future) {
      options.push(
        fc
          .tuple(fc.constantFrom('next', 'eventually', 'always' as const), sub, bound)
          .map(([kind, operand, b]) => (kind === 'next' ? { kind, operand } : withBound({ kind, operand }, b))),
        fc
          .tuple(fc.constantFrom('until', 'release', 'weakUntil' as const), sub, sub, bound)
          .map(([kind, left, right, b]) =>
            kind === 'until' ? withBound({ kind, left, right }, b) : { kind, left, right },
          ),
      )
    }
    if (kinds.past) {
      options.push(
        fc
          .tuple(fc.constantFrom('previous', 'once', 'historically' as const), sub, bound)
          .map(([kind, operand, b]) => (kind === 'previous' ? { kind, operand } : withBound({ kind, operand }, b))),
        fc.tuple(sub, sub, bound).map(([left, right, b]) => withBound({ kind: 'since', left, right }, b)),
      )
    }
    return { tree: fc.oneof({ depthSize: 'small', maxDepth: depth, withCrossShrink: true }, ...options) }
  })
  return tree
}

export type Valuation = Record<string, boolean>

/** LTL on the infinite word prefix . loop^omega (positions 0..n-1, the successor of n-1 is loopStart), by fixpoints. */
export function holdsOnLasso(f: Formula, word: Valuation[], loopStart: number): boolean {
  return evaluate(f, word, loopStart)[0]
}

function evaluate(f: Formula, word: Valuation[], loopStart: number): boolean[] {
  const n = word.length
  const succ = (i: number) => (i + 1 < n ? i + 1 : loopStart)
  const fixpoint = (init: boolean, rule: (i: number, next: boolean) => boolean): boolean[] => {
    const v = new Array<boolean>(n).fill(init)
    for (let changed = true; changed; ) {
      changed = false
      for (let i = n - 1; i >= 0; i--) {
        const x = rule(i, v[succ(i)])
        if (x !== v[i]) (v[i] = x), (changed = true)
      }
    }
    return v
  }
  switch (f.kind) {
    case 'true':
      return word.map(() => true)
    case 'false':
      return word.map(() => false)
    case 'atom':
      return word.map(w => w[f.name] === true)
    case 'not':
      return evaluate(f.operand, word, loopStart).map(x => !x)
    case 'and':
    case 'or':
    case 'implies':
    case 'iff': {
      const a = evaluate(f.left, word, loopStart),
        b = evaluate(f.right, word, loopStart)
      return a.map((x, i) =>
        f.kind === 'and' ? x && b[i] : f.kind === 'or' ? x || b[i] : f.kind === 'implies' ? !x || b[i] : x === b[i],
      )
    }
    case 'next': {
      const a = evaluate(f.operand, word, loopStart)
      return a.map((_, i) => a[succ(i)])
    }
    case 'eventually': {
      const a = evaluate(f.operand, word, loopStart)
      return fixpoint(false, (i, next) => a[i] || next)
    }
    case 'always': {
      const a = evaluate(f.operand, word, loopStart)
      return fixpoint(true, (i, next) => a[i] && next)
    }
    case 'until': {
      const a = evaluate(f.left, word, loopStart),
        b = evaluate(f.right, word, loopStart)
      return fixpoint(false, (i, next) => b[i] || (a[i] && next))
    }
    case 'release': {
      const a = evaluate(f.left, word, loopStart),
        b = evaluate(f.right, word, loopStart)
      return fixpoint(true, (i, next) => b[i] && (a[i] || next))
    }
    case 'weakUntil': {
      const a = evaluate(f.left, word, loopStart),
        b = evaluate(f.right, word, loopStart)
      return fixpoint(true, (i, next) => b[i] || (a[i] && next))
    }
    default:
      throw new Error(`not an untimed future formula: ${f.kind}`)
  }
}

/** Every valuation of the atoms. */
export function valuations(atoms: string[]): Valuation[] {
  const out: Valuation[] = []
  for (let m = 0; m < 1 << atoms.length; m++)
    out.push(Object.fromEntries(atoms.map((a, k) => [a, ((m >> k) & 1) === 1])))
  return out
}

/**
 * The LTL3 verdict by brute force: 'true' if every lasso continuation v x^omega with |v| + |x| <= maxLength
 * satisfies the formula after `prefix`, 'false' if none does, else 'unknown'.
 */
export function ltl3ByLassos(
  f: Formula,
  prefix: Valuation[],
  atoms: string[],
  maxLength: number,
): 'true' | 'false' | 'unknown' {
  const letters = valuations(atoms)
  let some = false
  let all = true
  const words = (length: number): Valuation[][] => {
    let acc: Valuation[][] = [[]]
    for (let k = 0; k < length; k++) acc = acc.flatMap(w => letters.map(l => [...w, l]))
    return acc
  }
  for (let length = 1; length <= maxLength; length++) {
    for (const w of words(length)) {
      for (let loop = 0; loop < length; loop++) {
        const sat = holdsOnLasso(f, [...prefix, ...w], prefix.length + loop)
        some ||= sat
        all &&= sat
        if (some && !all) return 'unknown'
      }
    }
  }
  return all ? 'true' : 'false'
}

/** LTLf on a finite, non-empty trace (X strong, weak next not in the language), with optional times for the metric bounds. */
export function holdsFinite(f: Formula, trace: Valuation[], times?: number[], i = 0): boolean {
  const n = trace.length
  const t = times ?? trace.map((_, k) => k)
  const within = (b: { lower: number; upper: number } | undefined, from: number, j: number) =>
    b === undefined || (t[j] - t[from] >= b.lower && t[j] - t[from] <= b.upper)
  const withinPast = (b: { lower: number; upper: number } | undefined, from: number, j: number) =>
    b === undefined || (t[from] - t[j] >= b.lower && t[from] - t[j] <= b.upper)
  const h = (g: Formula, k: number) => holdsFinite(g, trace, t, k)
  switch (f.kind) {
    case 'true':
      return true
    case 'false':
      return false
    case 'atom':
      return trace[i][f.name] === true
    case 'not':
      return !h(f.operand, i)
    case 'and':
      return h(f.left, i) && h(f.right, i)
    case 'or':
      return h(f.left, i) || h(f.right, i)
    case 'implies':
      return !h(f.left, i) || h(f.right, i)
    case 'iff':
      return h(f.left, i) === h(f.right, i)
    case 'next':
      return i + 1 < n && h(f.operand, i + 1)
    case 'previous':
      return i > 0 && h(f.operand, i - 1)
    case 'eventually':
      for (let j = i; j < n; j++) if (within(f.bound, i, j) && h(f.operand, j)) return true
      return false
    case 'always':
      for (let j = i; j < n; j++) if (within(f.bound, i, j) && !h(f.operand, j)) return false
      return true
    case 'until':
      for (let j = i; j < n; j++) {
        if (within(f.bound, i, j) && h(f.right, j)) return true
        if (!h(f.left, j)) return false
      }
      return false
    case 'release':
      for (let j = i; j < n; j++) {
        if (!h(f.right, j)) return false
        if (h(f.left, j)) return true
      }
      return true
    case 'weakUntil':
      for (let j = i; j < n; j++) {
        if (h(f.right, j)) return true
        if (!h(f.left, j)) return false
      }
      return true
    case 'once':
      for (let j = i; j >= 0; j--) if (withinPast(f.bound, i, j) && h(f.operand, j)) return true
      return false
    case 'historically':
      for (let j = i; j >= 0; j--) if (withinPast(f.bound, i, j) && !h(f.operand, j)) return false
      return true
    case 'since':
      for (let j = i; j >= 0; j--) {
        if (withinPast(f.bound, i, j) && h(f.right, j)) return true
        if (!h(f.left, j)) return false
      }
      return false
  }
}

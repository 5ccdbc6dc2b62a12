/**
 * Comparing sequences: dynamic time warping (whole series, with its warping path, and the nearest
 * windows of a long series), edit distance and longest common subsequence, and the substrings that
 * recur in a token stream.
 */
import { dtw, dtwPath, editDistance, findMatches, findRecurring, lcsLength } from 'midstream'

// DTW aligns a slowed-down copy at no cost; the Euclidean view would see it as different
const a = [0, 1, 2, 3, 2, 1, 0]
const slowed = [0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 1, 1, 0, 0]
console.log(`dtw(a, slowed) = ${dtw(a, slowed)}`)
// with no warping to hide a shift of 1, each of the 3 cells on the shortest path costs 1 (squared)
console.log(`dtw([0, 0, 0], [1, 1, 1]) = ${dtw([0, 0, 0], [1, 1, 1])}`)
const { distance, path } = dtwPath([1, 2, 3], [1, 2, 2, 3])
console.log(`dtwPath: distance ${distance}, path ${path.map(([i, j]) => `(${i},${j})`).join(' ')}`)

// the window of a long series nearest a query, under DTW with a 10 % band
const series = Array.from({ length: 500 }, (_, t) => Math.sin(t / 5) + (t >= 300 && t < 310 ? 4 : 0))
const query = Array.from({ length: 20 }, (_, k) => Math.sin((300 - 5 + k) / 5) + (k >= 5 && k < 15 ? 4 : 0))
const [best] = findMatches(series, query, { k: 1, band: 0.1 })
console.log(`findMatches: best window starts at ${best.start}, distance ${best.distance.toFixed(6)}`)

// edit distance (Levenshtein) and LCS length, on strings or arrays of any values
console.log(`editDistance('kitten', 'sitting') = ${editDistance('kitten', 'sitting')}`)
console.log(`lcsLength('ABCBDAB', 'BDCABA') = ${lcsLength('ABCBDAB', 'BDCABA')}`)
console.log(`editDistance of token arrays = ${editDistance(['GET', '/a', '200'], ['GET', '/b', '200'])}`)

// substrings of 3 to 4 tokens seen at least twice
const recurring = findRecurring('abcXabcYabcd', { minLength: 3, maxLength: 4 })
for (const r of recurring) console.log(`recurring ${JSON.stringify(r.pattern)} at ${r.occurrences.join(', ')}`)

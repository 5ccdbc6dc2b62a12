/**
 * The peers of `midstream/terminal` (ink, React, asciichart), loaded with a top-level `import()`
 * when the entry loads: ink is ESM-only and uses top-level await, so `require` cannot load it, and
 * a static import of a missing package would fail before any of our code could name it.
 */
import type * as AsciichartPackage from 'asciichart'
import type * as InkPackage from 'ink'
import type * as ReactPackage from 'react'
import { importPeers } from '../../sources/peers/missing'

const [asciichart, ink, react] = await importPeers<[typeof AsciichartPackage, typeof InkPackage, typeof ReactPackage]>(
  'midstream/terminal',
  ['asciichart', 'ink', 'react'],
  [() => import('asciichart'), () => import('ink'), () => import('react')],
)

/** asciichart's `plot`. */
export const plot: typeof AsciichartPackage.plot = asciichart.plot
/** ink's `Box`. */
export const Box: typeof InkPackage.Box = ink.Box
/** ink's `Text`. */
export const Text: typeof InkPackage.Text = ink.Text
/** ink's `render`. */
export const render: typeof InkPackage.render = ink.render
/** React's `createElement`. */
export const createElement: typeof ReactPackage.createElement = react.createElement

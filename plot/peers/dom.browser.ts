/** In the browser build there is no light DOM to fall back on (the page's `document` is used before this is asked). */

/** Throws: no global document here (a worker, say), so the caller must pass one. */
export function lightDocument(): Document {
  throw new TypeError('midstream/plot: there is no document here to draw in; pass options.document')
}

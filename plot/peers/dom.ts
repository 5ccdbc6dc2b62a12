/**
 * The document `midstream/plot` draws in when the caller gives none and there is no global one:
 * in Node, a light DOM from linkedom, loaded (and named when missing) on first use, so a caller who
 * passes a document of their own (jsdom, happy-dom, a notebook's) never needs it.
 */
import type * as LinkedomPackage from 'linkedom'
import { requirePeers } from '../../sources/peers/require'

let light: Document | undefined

/** A linkedom document, created once. */
export function lightDocument(): Document {
  if (light === undefined) {
    const [linkedom] = requirePeers<[typeof LinkedomPackage]>('midstream/plot', ['linkedom'])
    light = linkedom.parseHTML('<!doctype html><html><head></head><body></body></html>').document as unknown as Document
  }
  return light
}

/**
 * The peers of `midstream/sources` in the browser build: plain imports that the application's
 * bundler resolves (and names, when one is missing). The servers, and so `ws`, are Node-only.
 */
export { createParser, type EventSourceParser } from 'eventsource-parser'

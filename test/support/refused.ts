import { expect } from 'vitest'

/** An error class a validation test expects. */
export type ErrorClass = new (...args: never[]) => Error

/**
 * Calls `call` and asserts that it throws an `expected` whose message starts with `name: ` (the
 * public name of what was called) and, when given, mentions `mention`.
 */
export function expectRefused(call: () => unknown, expected: ErrorClass, name: string, mention?: string): void {
  let thrown: unknown
  try {
    call()
  } catch (error) {
    thrown = error
  }
  expect(thrown, `${name}: nothing thrown`).toBeInstanceOf(expected)
  const message = (thrown as Error).message
  expect(message.startsWith(`${name}: `), message).toBe(true)
  if (mention !== undefined) expect(message).toContain(mention)
}

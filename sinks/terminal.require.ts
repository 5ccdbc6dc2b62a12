/**
 * What `require('midstream/terminal')` loads. The terminal dashboard is ESM-only (ink, which draws
 * it, loads with top-level await, which `require` cannot wait for), so a CommonJS caller gets this
 * error saying what to do instead of a bare "package path not exported" from the resolver.
 * @internal
 */

/** Node's own code for "this module cannot be required", so tools that test `error.code` recognise it. */
const REQUIRE_ESM_CODE = 'ERR_REQUIRE_ESM'

const error = new Error(
  "midstream/terminal: this entry is ESM-only (ink, which draws the dashboard, is ESM-only) and cannot be loaded with require(); use `const { renderDashboard } = await import('midstream/terminal')` from CommonJS, or an ESM module",
)
Object.assign(error, { code: REQUIRE_ESM_CODE })
throw error

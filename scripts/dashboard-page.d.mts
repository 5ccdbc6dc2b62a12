/** sinks/dashboard/page/main.ts, the page's entry. */
export const entry: string
/** sinks/dashboard/page/script.generated.ts, where the bundle is written. */
export const output: string
/** The page's browser bundle, minified, as text. */
export function bundlePage(): Promise<string>
/** The text of script.generated.ts. */
export function generatedModule(): Promise<string>

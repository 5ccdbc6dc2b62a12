// `import script from './page/main.ts?bundle'`: the browser bundle of that file, as text
// (scripts/dashboard-page.mjs makes it, for tsup and for vitest).
declare module '*?bundle' {
  const script: string
  export default script
}

// `import css from 'uplot/dist/uPlot.min.css'` in the page: the stylesheet's text (esbuild's text loader)
declare module '*.css' {
  const text: string
  export default text
}

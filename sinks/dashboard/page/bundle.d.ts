// `import css from 'uplot/dist/uPlot.min.css'` in the page: the stylesheet's text (esbuild's text
// loader, scripts/dashboard-page.mjs)
declare module '*.css' {
  const text: string
  export default text
}

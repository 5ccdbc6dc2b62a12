/** Observable Plot for `midstream/plot` in the browser build: a plain import the application's bundler resolves. */
import * as Plot from '@observablehq/plot'

export { Plot }

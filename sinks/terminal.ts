/**
 * midstream/terminal: the terminal dashboard (ink + React). A separate, ESM-only entry point: ink
 * loads with top-level await, which `require` cannot do, and `midstream/sinks` stays loadable from
 * CommonJS without it.
 */
export {
  Dashboard,
  type DashboardHandle,
  type DashboardProps,
  type DashboardRenderer,
  formatNumber,
  type RenderDashboardOptions,
  renderDashboard,
  sparkline,
} from './dashboard/terminal'

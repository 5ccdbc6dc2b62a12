export { scheduleOn, type ScheduleOnOptions } from './scheduleOn'
export { eventTime, type EventTimeOptions } from './eventTime'
export { dtwMatch, type DtwMatchOptions, type DtwMatchEvent, type DtwQuery } from './dtwMatch'
export { attractorWindow, type AttractorWindowOptions, type AttractorWindowReport } from './attractorWindow'

export { scheduleOn, type ScheduleOnOptions } from './scheduleOn'
export { eventTime, type EventTimeOptions } from './eventTime'

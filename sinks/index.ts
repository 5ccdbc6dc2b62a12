/** midstream/sinks: where results go. */
export { quicSink, wsSink, sendTo, type SinkOptions } from './transport'

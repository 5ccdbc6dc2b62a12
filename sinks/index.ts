/** midstream/sinks: where results go. */
export {}

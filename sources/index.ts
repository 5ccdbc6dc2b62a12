/** midstream/sources: Observables that bring data in (Node and browser I/O). */
export {}

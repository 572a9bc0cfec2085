/** Per-query scratch arrays of the pipeline, sized to the corpus; cleared by zeroing only the documents used. */
export class PipelineScratch {
  readonly facet: Float64Array;
  readonly combined: Float64Array;

  constructor(size: number) {
    this.facet = new Float64Array(size);
    this.combined = new Float64Array(size);
  }

  clear(docs: ArrayLike<number>): void {
    for (let i = 0; i < docs.length; i++) {
      this.facet[docs[i]!] = 0;
      this.combined[docs[i]!] = 0;
    }
  }
}

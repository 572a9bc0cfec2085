/** What every format writer is: fed the window's suggestion groups in order, then finished into its files. */
import type { ExportFile } from '../../shared/index.ts';
import type { SuggestionGroup } from './group.ts';
import type { ReadCounts } from './records.ts';

export interface ExportWriter {
  write(group: SuggestionGroup): Promise<void>;
  /** Closes the writer's files and answers them, in a fixed order. */
  finish(): Promise<ExportFile[]>;
}

export interface WriterContext {
  /** The batch folder the files go into. */
  root: string;
  /** Shared counters: writers add `skipped.<reason>` for what they could not turn into a record. */
  counts: ReadCounts;
}

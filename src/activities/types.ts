/** Inputs and outputs of the tracking activities; the workflow imports these as types only. */

/** One tick's refresh: every tracked tweet with its last known count, in the compact `id:count,...` encoding. */
export interface RefreshInput {
  /** The tick-length boundary of workflow time this snapshot stands for; names the file, so a retry rewrites it. */
  minuteMs: number;
  /** `id:count,...` for every tracked tweet (see src/domain/compact-counts.ts). */
  counts: string;
  /** Comma-separated ids already known gone: not looked up again, written with their last count. */
  gone: string;
  /** How many lines to print under the `Time:` header, like Spark's pprint. */
  printLines: number;
}

export interface RefreshResult {
  /** `id:count,...` only for tweets whose count differs from the input: keeps the history small. */
  changed: string;
  /** Ids X reported as deleted, not found or not authorized in this lookup. */
  gone: string[];
  /** Lines written to the snapshot file. */
  written: number;
}

/** The top-5 enrichment: ranked candidates (more than needed, so a gone one is replaced by the next). */
export interface EnrichInput {
  /** The tick boundary the report belongs to; names the report files. */
  atMs: number;
  /** `id:count,...` in rank order. */
  candidates: string;
  topSize: number;
}

/** One line of a top-5 report. */
export interface ReportEntry {
  rank: number;
  tweetId: string;
  retweets: number;
  authorId: string;
  screenName: string;
  text: string;
}

export interface EnrichResult {
  entries: ReportEntry[];
  /** Candidates X reported gone: the workflow flags them. */
  gone: string[];
  /** Base name of the written files (`top5-<ms>`), `.txt` and `.json`. */
  fileBase: string;
}

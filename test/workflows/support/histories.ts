import { join } from 'node:path';

/** Replay histories, one file per release and scenario: `<release>-<scenario>.json` (see record-history.ts). */
export const HISTORIES_DIR = join(__dirname, '..', '..', 'fixtures', 'histories');

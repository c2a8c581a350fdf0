import { proxySinks, type Sinks } from '@temporalio/workflow';

/**
 * The product's printed output (the per-tick block and the top-5), sent out of the workflow through a sink after
 * the activity succeeded: printed once per tick however often an attempt was retried, and not again on replay.
 */
export interface ProductOutputSinks extends Sinks {
  output: { print(text: string): void };
}

export const { output } = proxySinks<ProductOutputSinks>();

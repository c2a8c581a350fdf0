import { ApiRequestError, ApiResponseError } from 'twitter-api-v2';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { xReconnectDelayMs } from '../../src/x';

function httpError(code: number): ApiResponseError {
  return new ApiResponseError(`Request failed with code ${code}`, {
    code,
    data: {},
    headers: {},
    request: {} as ClientRequest,
    response: {} as IncomingMessage,
  });
}

const network = new ApiRequestError('Request failed.', {
  request: {} as ClientRequest,
  error: new Error('ECONNRESET'),
});

test('network errors back off linearly by 250 ms up to 16 s', () => {
  expect([1, 2, 3, 64, 65, 1000].map((n) => xReconnectDelayMs(n, network))).toEqual([
    250, 500, 750, 16_000, 16_000, 16_000,
  ]);
});

test('HTTP errors back off exponentially from 5 s up to 320 s', () => {
  expect([1, 2, 3, 7, 8, 30].map((n) => xReconnectDelayMs(n, httpError(503)))).toEqual([
    5_000, 10_000, 20_000, 320_000, 320_000, 320_000,
  ]);
});

test('429 backs off from one minute, doubling', () => {
  expect([1, 2, 3, 4].map((n) => xReconnectDelayMs(n, httpError(429)))).toEqual([60_000, 120_000, 240_000, 480_000]);
});

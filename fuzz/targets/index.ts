import type { FuzzTarget } from '../target.js';
import { frameParserFrames, frameParserMutated, frameParserRandom } from './frame-parser.js';
import { clientHandshake, headerGrammar, httpHead, serverHandshake } from './handshake.js';
import { pubsubParse } from './pubsub.js';
import { sseBytes, sseRoundTrip } from './sse.js';

export const TARGETS: readonly FuzzTarget[] = [
  frameParserRandom,
  frameParserFrames,
  frameParserMutated,
  serverHandshake,
  clientHandshake,
  headerGrammar,
  httpHead,
  sseBytes,
  sseRoundTrip,
  pubsubParse,
];

// The inspector's core: a teaching view of the wire (frames field by field, the
// handshake's accept computation). Browser-safe: Uint8Array only, no Node modules.
export {
  type AnnotatedFrame,
  type AnnotatorOptions,
  DEFAULT_CAPTURE_LIMIT,
  type FieldName,
  FrameAnnotator,
  type FrameField,
  type LengthForm,
  type MaskStep,
  annotateFrames,
  closeCodeName,
  maskSteps,
  opcodeName,
} from './frame-annotation.js';
export { type AcceptExplanation, type AcceptStep, base64, explainAccept } from './accept-explainer.js';
export { fromHex, toHex } from './hex.js';
export { sha1 } from './sha1.js';

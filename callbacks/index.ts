export { ApplyConstraintsCallback } from './apply_constraints_callback.js';
export { SummaryWriter, histogramOf } from '../src/tensorboard/summary_writer.js';
export { TensorBoardCallback, tensorBoard, type TensorBoardCallbackArgs } from './tensorboard.js';
export { TFEventsWriter, encodeRecord, maskedCrc32c } from '../src/tensorboard/tfevents_writer.js';
export { encodeEvent, type EventMessage, type HistogramMessage, type ImageMessage, type SummaryValueMessage } from '../src/tensorboard/tfevents_schema.js';

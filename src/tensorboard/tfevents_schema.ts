import protobuf from 'protobufjs';

/**
 * The subset of TensorFlow's `tensorflow/core/util/event.proto` and
 * `tensorflow/core/framework/summary.proto` that TensorBoard needs for scalars, images and
 * histograms. Field numbers are TensorFlow's: a reader decodes by number, not by name.
 * Fields left out (graph_def, log_message, audio, tensor, metadata, ...) are simply never
 * written, which proto3 allows.
 */
const TFEVENTS_PROTO = `
syntax = "proto3";
package tensorflow;

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string tag = 1;
    oneof value {
      float simple_value = 2;
      Image image = 4;
      HistogramProto histo = 5;
    }
  }
  repeated Value value = 1;
}

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}
`;

export interface HistogramMessage {
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}

export interface ImageMessage {
  height: number;
  width: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (summary.proto). */
  colorspace: number;
  encoded_image_string: Uint8Array;
}

/** Exactly one of simple_value, image, histo (a oneof: TensorBoard dispatches on which is set). */
export type SummaryValueMessage = { tag: string } & ({ simple_value: number } | { image: ImageMessage } | { histo: HistogramMessage });

export interface EventMessage {
  /** Seconds since the epoch, fractional. */
  wall_time: number;
  step?: number;
  file_version?: string;
  summary?: { value: SummaryValueMessage[] };
}

// keepCase: field names stay TensorFlow's snake_case instead of protobufjs's camelCase.
const eventType = protobuf.parse(TFEVENTS_PROTO, { keepCase: true }).root.lookupType('tensorflow.Event');

/** The Event protobuf bytes of `event`. */
export function encodeEvent(event: EventMessage): Uint8Array {
  const problem = eventType.verify(event);
  if (problem !== null) throw new Error(`invalid TensorBoard event: ${problem}`);
  return eventType.encode(eventType.fromObject(event)).finish();
}

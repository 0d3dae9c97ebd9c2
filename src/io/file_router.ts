import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import writeFileAtomic from 'write-file-atomic';
import { InputError } from '../errors.js';

const SCHEME = 'file://';
const WEIGHTS_FILE = 'weights.bin';

function stripScheme(url: string): string {
  return url.slice(SCHEME.length);
}

/**
 * `file://` IOHandler with tfjs-node's on-disk layout (model.json + weights.bin), for
 * backends without tfjs-node. Files are written atomically (temporary file, fsync,
 * rename), weights first, so an interrupted save never leaves a model.json that
 * points at missing or partial weights.
 */
export class FileSystemHandler implements tf.io.IOHandler {
  constructor(private readonly target: string) {}

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error('file:// save: binary model topologies are not supported');
    }
    await fs.mkdir(this.target, { recursive: true });
    const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
    const modelJSON: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
    };
    if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
    if (artifacts.userDefinedMetadata) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
    if (artifacts.signature) modelJSON.signature = artifacts.signature;
    await writeFileAtomic(path.join(this.target, WEIGHTS_FILE), Buffer.from(weightData));
    await writeFileAtomic(path.join(this.target, 'model.json'), JSON.stringify(modelJSON));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const jsonPath = (await isDirectory(this.target)) ? path.join(this.target, 'model.json') : this.target;
    let text: string;
    try {
      text = await fs.readFile(jsonPath, 'utf8');
    } catch (err) {
      throw new InputError(`file:// load: cannot read ${jsonPath}: ${(err as Error).message}`);
    }
    let modelJSON: tf.io.ModelJSON;
    try {
      modelJSON = JSON.parse(text) as tf.io.ModelJSON;
    } catch {
      throw new InputError(`file:// load: ${jsonPath} is not valid JSON`);
    }
    if (modelJSON.modelTopology == null) throw new InputError(`file:// load: ${jsonPath} has no modelTopology`);
    const dir = path.dirname(jsonPath);
    return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          const buf = await fs.readFile(file).catch((err: Error) => {
            throw new InputError(`file:// load: cannot read weights ${file}: ${err.message}`);
          });
          buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
        }
      }
      return [specs, tf.io.concatenateArrayBuffers(buffers)];
    });
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

// tfjs's router registry skips routers that return null, although IORouter's type omits it.
const router = ((url: string | string[]): tf.io.IOHandler | null => {
  if (Array.isArray(url) || !url.startsWith(SCHEME)) return null;
  return new FileSystemHandler(stripScheme(url));
}) as Parameters<typeof tf.io.registerSaveRouter>[0];

let registered = false;

/** Registers the `file://` routers unless another (tfjs-node's) already handles that scheme. */
export function registerFileRouters(): void {
  if (registered) return;
  registered = true;
  if (tf.io.getSaveHandlers('file://probe').length === 0) tf.io.registerSaveRouter(router);
  if (tf.io.getLoadHandlers('file://probe/model.json').length === 0) tf.io.registerLoadRouter(router);
}

/** A small valid manifest (synthetic data, tiny sizes) that tests copy and break. */
export function tinyManifest(over: Record<string, unknown> = {}): Record<string, any> {
  const data = { type: 'synthetic-faces', options: { preset: 'lab', train: 48, test: 24 } };
  return {
    name: 'tiny',
    title: 'Tiny',
    seeds: [1],
    imageSize: 32,
    trainings: { lab: { datasets: [data], occluder: { type: 'objects' }, epochs: 1, batchSize: 16 } },
    model: {
      backbone: { type: 'resnet-mini', options: { widths: [4, 8, 8, 16] } },
      attention: { type: 'occlusion-mask', options: { width: 4, layers: 1 } },
      discriminator: { type: 'mlp', options: { hidden: [8] } },
    },
    rows: [
      { name: 'M_Res', set: { 'model.attention': { type: 'none' }, 'model.discriminator': { type: 'none' } } },
      { name: 'M_ResAttAdv' },
    ],
    columns: [
      { name: 'R16', training: 'lab', test: { dataset: data }, evals: [{ label: 'R16', occluder: { type: 'block', options: { size: 16 } } }] },
      { name: 'mouth', training: 'lab', test: { dataset: data }, evals: [{ label: 'mouth', occluder: { type: 'region', options: { region: 'mouth' } } }] },
    ],
    report: { figures: false },
    ...over,
  };
}

import { Rng } from '../../../framework/index.js';

/** A subject's fixed facial geometry and colouring, in a 100×100 design space. */
export interface Identity {
  faceW: number;
  faceH: number;
  jaw: number;
  skin: [number, number, number];
  eyeSize: number;
  eyeSpacing: number;
  eyeY: number;
  iris: [number, number, number];
  browThickness: number;
  browColor: [number, number, number];
  noseLength: number;
  noseWidth: number;
  lipThickness: number;
  mouthWidth: number;
  mouthY: number;
  lipColor: [number, number, number];
  hairStyle: number;
  hairColor: [number, number, number];
  ageLines: number;
}

const SKIN: [number, number, number][] = [
  [255, 224, 196], [241, 194, 160], [224, 172, 135], [198, 134, 96], [161, 102, 66], [120, 76, 50], [92, 58, 40],
];
const HAIR: [number, number, number][] = [
  [30, 22, 18], [70, 45, 30], [120, 80, 45], [180, 140, 80], [220, 200, 150], [140, 140, 140], [160, 60, 30],
];
const IRIS: [number, number, number][] = [[60, 40, 25], [90, 60, 30], [60, 90, 130], [70, 110, 70], [40, 40, 40]];

const jitter = (c: [number, number, number], rng: Rng, d: number): [number, number, number] =>
  c.map((v) => Math.max(0, Math.min(255, Math.round(v + rng.uniform(-d, d))))) as [number, number, number];

/** The identity of subject `subject` of a preset: a pure function of (presetSeed, subject). */
export function identityOf(presetSeed: number, subject: number): Identity {
  const rng = Rng.derive(presetSeed, `subject/${subject}`);
  const hairColor = jitter(rng.pick(HAIR), rng, 15);
  return {
    faceW: rng.uniform(29, 35),
    faceH: rng.uniform(38, 44),
    jaw: rng.uniform(0.55, 0.85),
    skin: jitter(rng.pick(SKIN), rng, 12),
    eyeSize: rng.uniform(3.6, 5),
    eyeSpacing: rng.uniform(12.5, 15.5),
    eyeY: rng.uniform(42, 46),
    iris: rng.pick(IRIS),
    browThickness: rng.uniform(1.8, 3),
    browColor: jitter(hairColor, rng, 10).map((v) => Math.round(v * 0.8)) as [number, number, number],
    noseLength: rng.uniform(9, 13),
    noseWidth: rng.uniform(4, 6.5),
    lipThickness: rng.uniform(1.6, 3.2),
    mouthWidth: rng.uniform(15, 19),
    mouthY: rng.uniform(70, 74),
    lipColor: jitter([170, 70, 80], rng, 25),
    hairStyle: rng.int(4),
    hairColor,
    ageLines: rng.uniform(0, 1),
  };
}

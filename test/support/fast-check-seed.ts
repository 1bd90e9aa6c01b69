import fc from 'fast-check';

// Property tests run on a fixed seed so the suite is deterministic; set FC_SEED to explore
// other inputs locally (a failure prints its seed and path to replay it).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261129) });

// Fixtures for the chunking and fuzzing tests: the project's own sample capture.
export { samplePcap as mixedPcap, samplePcapng as mixedPcapng } from '../src/testing/sample.ts';

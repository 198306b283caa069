// node:test entry: registers every portable suite in test/suite/ (see test/harness/node-runner.ts).
import "../harness/node-runner.js";

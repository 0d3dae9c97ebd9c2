// `require('shapeprior')` lands here only on a Node that cannot require() an ES module (before
// 20.19 / 22.12, or with --no-experimental-require-module); newer ones take the "module-sync"
// condition to the ES module itself. Say so, instead of Node's ERR_PACKAGE_PATH_NOT_EXPORTED.
const error = new Error("shapeprior is an ES module and this Node cannot require() it: use `import { ... } from 'shapeprior'`, `await import('shapeprior')` from CommonJS, or Node >= 20.19 / 22.12");
error.code = 'ERR_REQUIRE_ESM';
throw error;

// `require('shapeprior')` lands here: the package is an ES module only (no CommonJS build),
// so say that and how to load it, instead of Node's ERR_PACKAGE_PATH_NOT_EXPORTED.
const error = new Error("shapeprior is an ES module and cannot be loaded with require(); use `import { ... } from 'shapeprior'`, or `await import('shapeprior')` from CommonJS");
error.code = 'ERR_REQUIRE_ESM';
throw error;

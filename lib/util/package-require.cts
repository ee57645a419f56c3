// A `require` anchored in this package, for the optional CommonJS dependencies (compressors)
// loaded synchronously at boot. A .cts file is CommonJS in both builds, so the ES module build
// needs no `import.meta` and the CommonJS build can include it unchanged.
export const packageRequire: NodeJS.Require = require;

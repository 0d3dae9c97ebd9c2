/**
 * How the test and the benchmark start the page's browser: the system Chromium (the
 * Debian package, which .ci/run installs), headless. Chromium's own background
 * services (updates, sync, QUIC probes) are switched off: on a closed network they
 * only flood refused connections. WebGL runs on SwiftShader (software GL): headless
 * Chromium has no GPU process otherwise, and recent versions want the "unsafe"
 * opt-in for SwiftShader WebGL.
 */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export function chromiumArgs(): string[] {
  return [
    '--headless', '--no-sandbox',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
    '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ];
}

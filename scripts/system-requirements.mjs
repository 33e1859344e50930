// What the tests, the fixture scripts and the model pipeline need from the system, as data: setup installs
// it, and a unit test checks that every Python module imported in the repository is named here.

export const PYTHON = '/usr/bin/python3';

/** Python modules outside the standard library, each with the Debian package that provides it. */
export const PYTHON_MODULES = {
  numpy: 'python3-numpy',
  onnx: 'python3-onnx',
  PIL: 'python3-pil',
  regex: 'python3-regex',
  torch: 'python3-torch',
};

/** Debian's Chromium (SwiftShader WebGPU for Playwright) and the Vulkan loader Dawn needs in Node. */
export const BROWSER_PACKAGES = { chromium: '/usr/bin/chromium', libvulkan1: 'libvulkan.so.1' };

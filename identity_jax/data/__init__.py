"""Data: MNIST / Fashion-MNIST readers, generated images, and the test suites."""

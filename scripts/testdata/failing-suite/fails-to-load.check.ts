// Throws while the file is imported, before any test is collected.
throw new Error('this file fails to load');

# A script with an import that setup does not install: the requirements test must flag it.
import json
import scipy.linalg

"""scikit-learn estimators around minikeras models (Keras 3's `keras.wrappers`).

Importing this module imports scikit-learn; `import minikeras` does not.
"""

from minikeras.wrappers.sklearn_wrapper import (
    SKLearnClassifier,
    SKLearnRegressor,
    SKLearnTransformer,
)

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]

"""The lowest layer of minikeras: tensors, variables and the gradient tape.

Nothing here imports anything of minikeras above `backend` and `tree`.
"""

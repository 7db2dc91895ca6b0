"""`RemoteMonitor`: post each epoch's logs to a server, as Keras does (with urllib)."""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from minikeras.callbacks.callback import Callback

TIMEOUT = 10  # seconds before an unanswered post is given up


class RemoteMonitor(Callback):
    """POST `{"epoch": epoch, **logs}` to `root + path` at the end of each epoch.

    As a form field `field` holding the JSON (default), or as a JSON body with
    `send_as_json=True`. A server that cannot be reached gives Keras' warning, and training
    goes on.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers = headers
        self.send_as_json = send_as_json

    def _request(self, payload):
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(payload).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(payload)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                      method="POST")

    def on_epoch_end(self, epoch, logs=None):
        payload = {"epoch": epoch}
        for name, value in (logs or {}).items():
            payload[name] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        try:
            with urllib.request.urlopen(self._request(payload), timeout=TIMEOUT):
                pass
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)

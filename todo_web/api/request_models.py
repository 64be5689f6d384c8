"""Request bodies described by their models in the OpenAPI document.

Task bodies are validated by the shared input rules with the user's time zone as context
(validation.task_create), which FastAPI's own body validation cannot pass; those routes
take the JSON object as it is and validate it themselves. `described_by(Model)` marks such
a route so /openapi.json still shows the model's fields, and `install` writes the marked
models into the document's components and points the request bodies at them.
"""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

_MARK = "x-request-model"
_models: dict[str, type[BaseModel]] = {}


def described_by(model: type[BaseModel]) -> dict[str, Any]:
    """openapi_extra for a route whose JSON body is validated against `model` in code."""
    _models[model.__name__] = model
    return {_MARK: model.__name__}


def install(api: FastAPI) -> None:
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema:
            return api.openapi_schema
        schema = generate()
        _, defs = models_json_schema(
            [(m, "validation") for m in _models.values()],
            ref_template="#/components/schemas/{model}",
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                name = operation.pop(_MARK, None)
                if name is not None:
                    operation["requestBody"] = {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    }
        return schema

    api.openapi = openapi  # type: ignore[method-assign]

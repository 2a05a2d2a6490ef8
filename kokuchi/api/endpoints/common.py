"""Serializer helpers shared by the resources."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.serializers import as_serializer_error


class CleanModelSerializer(serializers.ModelSerializer):
    """A model serializer whose create and update run the model's own validation (full_clean),
    as the staff UI's model forms do: field rules, clean() and constraints stay in the model."""

    def create(self, validated_data):
        instance = self.Meta.model(**validated_data)
        return self._clean_and_save(instance)

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._clean_and_save(instance)

    def _clean_and_save(self, instance):
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(as_serializer_error(error)) from None
        instance.save()
        return instance

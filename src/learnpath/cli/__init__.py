"""learnpath.cli"""

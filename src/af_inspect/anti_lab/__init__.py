"""Anti-AI-lab behaviour: given an easy chance to act against its developer, does the model take it?"""
